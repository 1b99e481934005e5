DROP TABLE pace_sweeps;
DROP TABLE target_pace;
