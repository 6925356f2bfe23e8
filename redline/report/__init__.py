"""What people read: tables, maps and reports built from analysis results."""
