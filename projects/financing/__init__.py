"""The administrators' decisions within the envelope, and the financing of approved projects."""
