"""``redline samples OUTDIR``: write the synthetic sample counties."""

from __future__ import annotations

from typing import Final

import click

#: The committed sample counties (``redline.synthetic``'s ``SAMPLES``), named here so that
#: the command starts without loading the generator.
COUNTIES: Final[tuple[str, ...]] = ("tiedong", "tiexi", "haicheng")


@click.command("samples")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=str))
@click.option("--county", type=click.Choice(["all", *COUNTIES]),
              default="all", show_default=True, help="Which sample county to write.")
@click.option("--farmland", type=click.IntRange(min=300), default=None, metavar="N",
              help="About how many land patches (DLTB) per county; default the sample's.")
@click.option("--parcels", type=click.IntRange(min=1), default=None, metavar="N",
              help="Parcel sites (one approval each, with supply); default the sample's.")
@click.option("--seed", type=int, default=None, metavar="S",
              help="Seed of the generator; default the sample's own (the committed data).")
@click.option("--overwrite", is_flag=True,
              help="Replace county folders redline wrote (holding .redline).")
def samples(outdir: str, county: str, farmland: int | None, parcels: int | None,
            seed: int | None, overwrite: bool) -> None:
    """Write synthetic, deterministic sample counties to OUTDIR/<county>.

    With no options this writes exactly the samples shipped in data/samples.
    """
    import redline

    for name in sorted(COUNTIES) if county == "all" else [county]:
        info = redline.make_sample(outdir, name, n_farmland=farmland, n_parcels=parcels,
                                   seed=seed, overwrite=overwrite)
        counts = ", ".join(f"{role} {n}" for role, n in info.counts.items())
        click.echo(f"{name}: {info.path} ({counts})")
