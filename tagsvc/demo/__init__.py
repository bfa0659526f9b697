"""A believable demo school, for trying tagsvc out and for the README's first command."""
