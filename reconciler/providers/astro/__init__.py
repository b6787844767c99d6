"""The Astro (Astronomer) provider: workspaces, deployments and deploys (the code a deployment runs)."""
