"""Assessment (考评): kpis, hotspots and demo data."""
