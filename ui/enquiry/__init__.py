"""enquiry screens."""
