"""Any Swedish region from official statistics: ``sim region fetch | build | list``.

Two stages, kept apart. **Fetching** (:mod:`sim.region.fetch`) asks SCB's PxWeb API v2 and
Kolada for the region's tables through a polite client (:mod:`sim.region.client`: rate limits,
retries, clear errors) and stores their answers as received, with a manifest
(:mod:`sim.region.store`). **Building** (:mod:`sim.region.build`) turns that folder into the
region's validated inputs offline and deterministically, using the documented estimation rules
(:mod:`sim.region.estimates`) where a table is missing. :mod:`sim.region.regions` says where
regions live and makes the config that lets ``sim run region=<name>`` find a built one.
"""
