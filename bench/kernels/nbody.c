// bench/kernels/nbody.c: floating-point simulation: the five-body Jovian system (the classic
// n-body benchmark: double arithmetic, sqrt, divides over a tiny array of structs).
#include "kernel.h"

enum { kBodies = 5 };

typedef struct {
  double x, y, z, vx, vy, vz, mass;
} Body;

static const double kPi = 3.141592653589793;
static const double kDaysPerYear = 365.24;

static Body bodies[kBodies];

static void reset(void) {
  const double solar_mass = 4 * kPi * kPi;
  // Sun, Jupiter, Saturn, Uranus, Neptune: positions (AU), velocities (AU/year), masses.
  static const double init[kBodies][7] = {
      {0, 0, 0, 0, 0, 0, 1},
      {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
       1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05,
       9.54791938424326609e-04},
      {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
       -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05,
       2.85885980666130812e-04},
      {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
       2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05,
       4.36624404335156298e-05},
      {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
       2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05,
       5.15138902046611451e-05},
  };
  for (int i = 0; i < kBodies; ++i) {
    bodies[i].x = init[i][0];
    bodies[i].y = init[i][1];
    bodies[i].z = init[i][2];
    bodies[i].vx = init[i][3] * kDaysPerYear;
    bodies[i].vy = init[i][4] * kDaysPerYear;
    bodies[i].vz = init[i][5] * kDaysPerYear;
    bodies[i].mass = init[i][6] * solar_mass;
  }
  // Offset the Sun's momentum so the system's centre of mass stays put.
  double px = 0, py = 0, pz = 0;
  for (int i = 0; i < kBodies; ++i) {
    px += bodies[i].vx * bodies[i].mass;
    py += bodies[i].vy * bodies[i].mass;
    pz += bodies[i].vz * bodies[i].mass;
  }
  bodies[0].vx = -px / solar_mass;
  bodies[0].vy = -py / solar_mass;
  bodies[0].vz = -pz / solar_mass;
}

static void advance(double dt) {
  for (int i = 0; i < kBodies; ++i) {
    Body* bi = &bodies[i];
    for (int j = i + 1; j < kBodies; ++j) {
      Body* bj = &bodies[j];
      double dx = bi->x - bj->x, dy = bi->y - bj->y, dz = bi->z - bj->z;
      double d2 = dx * dx + dy * dy + dz * dz;
      double mag = dt / (d2 * __builtin_sqrt(d2));
      bi->vx -= dx * bj->mass * mag;
      bi->vy -= dy * bj->mass * mag;
      bi->vz -= dz * bj->mass * mag;
      bj->vx += dx * bi->mass * mag;
      bj->vy += dy * bi->mass * mag;
      bj->vz += dz * bi->mass * mag;
    }
  }
  for (int i = 0; i < kBodies; ++i) {
    bodies[i].x += dt * bodies[i].vx;
    bodies[i].y += dt * bodies[i].vy;
    bodies[i].z += dt * bodies[i].vz;
  }
}

static double energy(void) {
  double e = 0;
  for (int i = 0; i < kBodies; ++i) {
    const Body* bi = &bodies[i];
    e += 0.5 * bi->mass * (bi->vx * bi->vx + bi->vy * bi->vy + bi->vz * bi->vz);
    for (int j = i + 1; j < kBodies; ++j) {
      const Body* bj = &bodies[j];
      double dx = bi->x - bj->x, dy = bi->y - bj->y, dz = bi->z - bj->z;
      e -= bi->mass * bj->mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

// run(n): n steps of 0.01 years; the checksum is the bits of the final energy and positions.
int32_t run(int32_t n) {
  reset();
  for (int32_t step = 0; step < n; ++step) advance(0.01);
  uint32_t h = kernel_mix_double(0, energy());
  for (int i = 0; i < kBodies; ++i) {
    h = kernel_mix_double(h, bodies[i].x);
    h = kernel_mix_double(h, bodies[i].y);
    h = kernel_mix_double(h, bodies[i].z);
  }
  return (int32_t)h;
}
