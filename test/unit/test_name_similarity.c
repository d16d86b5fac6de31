/*
 * test_name_similarity.c
 *		name_similarity on the cases the issue names, its symmetry and range,
 *		and its speed (printed, not asserted: machines differ).
 */
#include <string.h>
#include <time.h>

#include "name_similarity.h"
#include "unit.h"

static double
sim(const char *a, const char *b)
{
	return ct_name_similarity(a, strlen(a), b, strlen(b), &ct_malloc_allocator);
}

int
main(void)
{
	static const char *const names[] = {
		"José Pérez", "JOSE  perez", "Pérez, José", "Pepe Pérez", "J. Perez Garcia", "Juan Pérez",
		"Juan Pérez García", "María Pérez", "Bob Smith", "Robert Smith", "Chema Aznar",
		"José María Aznar", "Şükrü Yılmaz", "Jürgen Müller", "", "de la", "x", "a b c d e f g h i j k l m n o p q r",
		NULL
	};
	struct timespec t0,
				t1;
	int			iterations = 200000;
	volatile double sink = 0;
	double		ns;

	/* The examples: one person. */
	CHECK_NEAR(sim("JOSE  perez", "José Pérez"), 1.0, 1e-9);
	CHECK_NEAR(sim("Pérez, José", "José Pérez"), 1.0, 1e-9);
	CHECK(sim("Pepe Pérez", "José Pérez") > 0.9);
	CHECK(sim("J. Perez Garcia", "José Pérez") > 0.8);
	/* Missing second surname or middle name: high; a different one: low. */
	CHECK(sim("Juan Pérez", "Juan Pérez García") > 0.9);
	CHECK(sim("Bill Gates", "William Henry Gates") > 0.85);
	CHECK(sim("Juan Pérez García", "Juan Pérez López") < 0.6);
	CHECK(sim("Juan Pérez", "María Pérez") < 0.5);
	CHECK(sim("Ana López", "Pedro Martínez") == 0.0);
	/* Nicknames, compound ones too, typos, accents. */
	CHECK(sim("Bob Smith", "Robert Smith") > 0.9);
	CHECK(sim("Paco Gómez", "Francisco Gomez") > 0.9);
	CHECK(sim("Chema Aznar", "José María Aznar") > 0.9);
	CHECK(sim("Maite Ruiz", "María Teresa Ruiz") > 0.9);
	CHECK(sim("Jhon Smith", "John Smith") > 0.9);
	CHECK(sim("Şükrü Yılmaz", "Sukru Yilmaz") == 1.0);
	CHECK(sim("Jürgen Müller", "Juergen Mueller") > 0.85);
	/* An initial is weaker evidence than the full name. */
	CHECK(sim("J. Pérez", "Juan Pérez") < sim("Juan Pérez", "Juan Pérez"));
	CHECK(sim("J. Pérez", "Juan Pérez") > sim("P. Pérez", "Juan Pérez"));
	CHECK(sim("", "José") == 0.0);

	for (int i = 0; names[i] != NULL; i++)
		for (int j = 0; names[j] != NULL; j++)
		{
			double		ab = sim(names[i], names[j]),
						ba = sim(names[j], names[i]);

			CHECK(ab == ba);
			CHECK(ab >= 0.0 && ab <= 1.0);
		}

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (int i = 0; i < iterations; i++)
		sink += sim(names[i % 12], names[(i * 7 + 3) % 12]);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / iterations;
	printf("name_similarity: %.0f ns of CPU per pair (%d pairs of typical names)\n", ns, iterations);
	(void) sink;

	return UNIT_DONE();
}
