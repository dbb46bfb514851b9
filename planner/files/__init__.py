"""The only code that opens files: the safe reader and writer of users' files (:mod:`.safe`), TOML reading and
checks (:mod:`.tomlfile`) and writing (:mod:`.tomlwriter`), law files (:mod:`.lawfile` reads, :mod:`.lawwriter`
writes), task-law files (:mod:`.taskfile`, :mod:`.taskwriter`), the shipped presets (:mod:`.presets`) and run and
ladder files (:mod:`.runs`)."""
