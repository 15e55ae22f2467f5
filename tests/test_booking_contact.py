"""Names and contact details as people type them."""

from __future__ import annotations

import pytest

from booking.contact import Contact, parse_contact, parse_name


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("you can reach me at Sam.Jones@Example.com", "email", "sam.jones@example.com"),
        ("sam@example.co.uk.", "email", "sam@example.co.uk"),
        ("email: first.last+knee@mail.example.org, thanks", "email", "first.last+knee@mail.example.org"),
        ("<ADE@EXAMPLE.COM>", "email", "ade@example.com"),
        ("07700 900123", "phone", "07700900123"),
        ("+44 7700-900-123", "phone", "+447700900123"),
        ("call me on (020) 7946 0018 after 5", "phone", "02079460018"),
        ("+44 (0)7700 900123", "phone", "+447700900123"),
        ("0044 7700 900123", "phone", "+447700900123"),
        ("my mobile is 07700.900.123.", "phone", "07700900123"),
        ("+1 (415) 555-0134", "phone", "+14155550134"),
        ("5550134", "phone", "5550134"),  # 7 digits: the shortest accepted
        ("phone 07700900123 or email x@y.com", "phone", "07700900123"),  # the first one given
        ("x@y.com or 07700900123", "email", "x@y.com"),
    ],
)
def test_contacts_are_found_inside_sentences_and_normalised(text, kind, value):
    assert parse_contact(text) == Contact(kind, value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc@",
        "@example.com",
        "sam@example",
        "sam@@example.com",
        "sam..jones@example.com",
        "sam@-example.com",
        "123",
        "123456",  # 6 digits
        "1234567890123456",  # 16 digits: longer than any phone number
        "0000000",
        "my knee hurts since 2019",
        "2026-12-02",
        "02/12/2026",
        "at 10:30",
        "I'd rather not say",
    ],
)
def test_invalid_or_missing_contacts_are_none(text):
    assert parse_contact(text) is None


def test_digits_inside_an_email_are_not_a_phone():
    assert parse_contact("sam07700900123@example.com") == Contact("email", "sam07700900123@example.com")


@pytest.mark.parametrize(
    "text, name",
    [
        ("I'm Sarah Jones", "Sarah Jones"),
        ("my name is sam", "Sam"),
        ("Sarah", "Sarah"),
        ("it's Ade O'Neill", "Ade O'Neill"),
        ("it’s ade o’neill", "Ade O'Neill"),
        ("Hi, I'm Priya", "Priya"),
        ("hello! my name's mary-jane smith", "Mary-Jane Smith"),
        ("This is Tom McDonald", "Tom McDonald"),
        ("JAMES BROWN", "James Brown"),
        ("call me Jo.", "Jo"),
        ("sam, nice to meet you", "Sam"),
        ("my name is sam and I want to book", "Sam"),
        ("Name: José Álvarez", "José Álvarez"),
        ("Anne Marie de la Cruz", None),  # five words
        ("Jean-Luc Picard", "Jean-Luc Picard"),
    ],
)
def test_names(text, name):
    assert parse_name(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yes",
        "no",
        "hi",
        "ok",
        "I don't want to tell you",
        "I'd rather not",
        "I'm fine",
        "I'm looking to book a session",
        "sam@example.com",
        "07700 900123",
        "R2D2",
        "I'm 45",
        "why do you need it?",
        "my knee hurts",
        "no thanks",
    ],
)
def test_not_names(text):
    assert parse_name(text) is None
