"""The simulated world behind the demo data, and its ground-truth scorers.

Not part of the product: the warehouse never imports this package. `generate`
writes contract-valid landing files plus `ground_truth/`; `demo/` is the
simulation (world, operations, voice); `scoring/` measures a built warehouse
against that ground truth (identity, enrichment, fulfillment integrity).
"""
