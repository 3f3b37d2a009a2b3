/*
 * store_name: which backend a database setting names, a PostgreSQL
 * connection string or a SQLite file, decided from the text alone, so
 * that the configuration (which must not join a connection string to its
 * folder) and store_open() agree without loading either library.
 */
#include "core/store.h"

#include <ctype.h>
#include <string.h>

#include "core/util.h"

/* libpq's connection keywords that begin a "keyword=value" string. */
static const char *const keywords[] = {
	"host", "hostaddr", "port", "dbname", "user", "password", "passfile",
	"service", "sslmode", "connect_timeout", "application_name",
	"options", "target_session_attrs", "channel_binding", "gssencmode",
	"sslcert", "sslkey", "sslrootcert", "krbsrvname", "client_encoding",
};

int store_is_server(const char *database)
{
	size_t n;

	if (strncmp(database, "postgresql://", 13) == 0 ||
	    strncmp(database, "postgres://", 11) == 0)
		return 1;
	while (isspace((unsigned char)*database))
		database++;
	n = strspn(database, "abcdefghijklmnopqrstuvwxyz_");
	if (n == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++)
		if (strlen(keywords[i]) == n &&
		    strncmp(database, keywords[i], n) == 0) {
			database += n;
			while (*database == ' ' || *database == '\t')
				database++;
			return *database == '=';
		}
	return 0;
}
