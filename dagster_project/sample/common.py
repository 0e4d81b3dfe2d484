"""Names shared by every source's sample generator, so tenants line up across sources."""

# The `tenant` tag value each tenant's resources carry (one name is Japanese on purpose).
TENANT_TAGS = ("payments", "search", "ml-research", "analytics", "需要予測")
