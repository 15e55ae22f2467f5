"""The embeddable website chat widget, the demo trainer website and the server for both."""
