"""Understanding what citizens say: the core's one classifier (group, service code, kind), its training and evaluation."""
