"""What happens to one stage on one day, as plain functions over Settings and a warehouse connection."""
