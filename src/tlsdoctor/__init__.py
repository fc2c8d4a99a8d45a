"""Find out why pip cannot make a secure connection, and say the real cause."""

__version__ = "0.1.0"
