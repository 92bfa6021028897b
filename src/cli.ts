console.log('aoai-pool: CLI under construction');
