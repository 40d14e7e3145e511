"""reportgen: one dataset in, every mandated rural-revitalization document out."""

__version__ = "0.1.0"
