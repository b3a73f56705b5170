"""Pure domain calculations for Q-Corner: satisfaction index, compliance scoring, working days."""
