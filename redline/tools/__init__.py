"""Tools: path in, path out; each the guts of one command, minus its argument parsing.

``check`` (the check pipeline), ``info`` (the pre-flight report), and the others each
read with :mod:`redline.io`, work with :mod:`redline.analysis` and :mod:`redline.report`,
and write with :mod:`redline.io`. The package's top level (``redline.check``...) re-exports
them; the command line calls them through it.
"""
