"""Built-in sample data: a generated ledger on the Helsinki sample map, and a city of them."""
