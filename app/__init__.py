"""veldwerk: a survey fielding platform for repeated government surveys."""
