"""Renderers (text / json / markdown / zh). One module per command's output."""
