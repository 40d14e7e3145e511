"""Student aid: eligibility from the policy table and the dataset."""
