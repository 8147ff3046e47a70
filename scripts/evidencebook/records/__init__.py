"""Records and data in, validated models out: the schema, the safe loader, vocabularies, the bibliography,
the survey data package and the knowledge base that holds them all."""
