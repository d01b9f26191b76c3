"""The daily brief: one self-contained HTML page about the items of a window (`veille brief`).

`page` builds the page from item dicts (pure functions), `charts` draws its two pictures.
"""
