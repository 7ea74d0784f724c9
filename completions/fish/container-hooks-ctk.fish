complete -c container-hooks-ctk -l debug -d 'Print what is done, step by step'
complete -c container-hooks-ctk -s q -l quiet -d 'Print only errors'
complete -c container-hooks-ctk -s h -l help -d 'Print help'
complete -c container-hooks-ctk -s V -l version -d 'Print version'
