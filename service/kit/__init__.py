"""The Genesys deployment kit: data action emulator and checks behind ``qmloop kit check``."""
