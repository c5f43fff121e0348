-- Claims: a count of a job's claims that only grows. It fences the work
-- of a claim (completing, renewing or postponing the job) against later
-- claims; attempts, which a postponed job gives back, cannot.
ALTER TABLE jobs ADD COLUMN claims BIGINT NOT NULL DEFAULT 0;
