"""The sample-county generator: deterministic synthetic counties, committed and larger.

Every county is made from one seed (:mod:`redline.synthetic.county`) and written in one of
the layouts counties hand over (:mod:`redline.synthetic.files`); planted cases
(:mod:`redline.synthetic.cases`) make each rule fire exactly where it must. Nothing on the
check path imports this package: :func:`redline.make_county` and ``redline samples``
(:mod:`redline.tools.samples`) do, when asked.
"""
