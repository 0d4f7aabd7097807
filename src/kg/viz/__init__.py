"""The network page: the data it asks for, the layout, the page."""
