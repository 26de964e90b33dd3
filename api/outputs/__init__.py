"""Every file a plan writes: ``plan.json``, ``routes.geojson``, manifests, summary, CSV."""
