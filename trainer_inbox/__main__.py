from trainer_inbox.app import main

main()
