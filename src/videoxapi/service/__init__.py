"""The service's own logic, between the web and CLI edges and the store: sites and
their credentials, viewing sessions persisted around the pure tracker, the reaper."""
