"""RQ side of the portal: queues, the job wrapper and job functions."""
