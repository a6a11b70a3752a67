"""Services: plain async functions that take a unit of work and return views, never ORM rows."""
