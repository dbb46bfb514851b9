"""The only code that opens files: the safe reader and writer of users' files (:mod:`.safe`), law files
(:mod:`.lawfile`), the shipped presets (:mod:`.presets`) and run and ladder files (:mod:`.runs`)."""
