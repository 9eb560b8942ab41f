"""Staff's side of the assessment: validation, cancellation, reassignment, the list, deadlines."""
