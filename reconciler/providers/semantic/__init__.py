"""The semantic-model provider (NexusOne semantic models: review lifecycle and deploy options)."""
