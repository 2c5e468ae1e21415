"""Who acts: local accounts and browser sessions (sign-in, throttling), account administration,
and the journal of what each user changed."""
