"""The offline benchmark (`w2sg results`): the literature's cross-dataset claims tested on one or
more sweep folders, written as docs/results.md and an HTML report
(docs/methods.md#the-benchmark). `claims` holds the statistics (pure functions on tables),
`inputs` reads the sweep folders, `write` renders the sections.
"""
