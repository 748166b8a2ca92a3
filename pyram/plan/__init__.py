"""THE logical plan: the one IR both front ends produce and the optimizer rewrites."""
