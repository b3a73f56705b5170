"""Domain services: plain values and a session in, plain values out."""
