"""Text enrichment of public-opinion posts: language, segmentation, sentiment,
topics, keywords and links to customers and our brand.

Pure functions over lists and frames (config.py, text.py, sentiment.py,
topics.py, linking.py); run.py reads the staged posts from the warehouse and
writes the `enrichment` schema; simworld/scoring/enrichment.py scores the
results against ground truth and labelled corpora. Fully offline: jieba and
vaderSentiment ship their dictionaries, everything else is in lexicon.yml.
"""
