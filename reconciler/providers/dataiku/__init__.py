"""Dataiku DSS: provider entry ``DATAIKU`` (see ``provider.py``); emulator in ``sandbox/``."""
