"""The public site: a static, offline, deterministic rendering of what ``publish`` recorded.

Stages (gather everything before writing anything, as mkdocs does):
``collect`` (git objects at REV → ``model``) → ``markdown`` (bodies, cached by blob id in
``cache``) → ``render`` (jinja2 pages, feed, sitemap, manifest) + ``search`` (index) →
``output`` (compare-and-skip into a persistent staging tree, then an atomic swap).
"""
