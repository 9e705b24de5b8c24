"""`make bench`: CPNI Track measured at a carrier's scale against the database's own limit.

bench.run orchestrates (databases, generation, the five figures, the table); bench.generate loads
N realistic records with their history and audit events; bench.tasks holds what runs in a child
process (a sweep, an export, page timings) so that each figure's process and peak memory are its
own; bench.locustfile is the load test."""
