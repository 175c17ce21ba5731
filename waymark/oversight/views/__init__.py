"""Oversight's pages, one views module per sub-domain, each holding its own routes."""
