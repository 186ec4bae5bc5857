//! Cutting plans for profile bars: first-fit decreasing with saw kerf and trims.
//!
//! Lengths are whole millimetres. Each bar loses `trim_mm` at both ends (the factory
//! ends are not square) and `kerf_mm` for every cut between pieces. A piece longer
//! than the usable part of a bar is an error, never "1.17 bars".

/// Bar geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutSettings {
    pub bar_mm: u32,
    pub kerf_mm: u32,
    pub trim_mm: u32,
}

impl CutSettings {
    /// The length of a bar that pieces can come from.
    pub fn usable_mm(&self) -> u32 {
        self.bar_mm.saturating_sub(2 * self.trim_mm)
    }
}

/// One bar of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Piece lengths cut from this bar, longest first.
    pub cuts: Vec<u32>,
    /// Pieces plus kerfs between them.
    pub used_mm: u32,
    /// What is left of the usable length.
    pub offcut_mm: u32,
}

/// A piece that does not fit in a bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PieceTooLong {
    pub length_mm: u32,
    pub usable_mm: u32,
}

impl std::fmt::Display for PieceTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a {} mm piece is longer than a bar's usable {} mm",
            self.length_mm, self.usable_mm
        )
    }
}

/// Plans the bars for `pieces` (any order): each piece, longest first, goes into the
/// first bar with room for it (and a kerf if the bar already has a cut).
pub fn plan(pieces: &[u32], settings: CutSettings) -> Result<Vec<Bar>, PieceTooLong> {
    let usable = settings.usable_mm();
    let mut sorted: Vec<u32> = pieces.iter().copied().filter(|p| *p > 0).collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    if let Some(&longest) = sorted.first() {
        if longest > usable {
            return Err(PieceTooLong {
                length_mm: longest,
                usable_mm: usable,
            });
        }
    }
    let mut room = RoomTree::new(sorted.len());
    let mut bars: Vec<Bar> = Vec::new();
    for piece in sorted {
        // Every open bar has a cut already, so a piece needs its kerf too.
        let needed = piece.saturating_add(settings.kerf_mm);
        match room.first_at_least(needed) {
            Some(i) => {
                let bar = &mut bars[i];
                bar.used_mm += needed;
                bar.cuts.push(piece);
                room.set(i, usable - bar.used_mm);
            }
            None => {
                room.set(bars.len(), usable - piece);
                bars.push(Bar {
                    cuts: vec![piece],
                    used_mm: piece,
                    offcut_mm: 0,
                });
            }
        }
    }
    for bar in &mut bars {
        bar.offcut_mm = usable - bar.used_mm;
    }
    Ok(bars)
}

/// The room left in each bar, in a max-tree: the first bar with at least some room is
/// found in O(log bars) instead of by scanning every bar, so first fit stays fast for
/// thousands of pieces. Bars not opened yet have no room.
struct RoomTree {
    leaves: usize,
    max: Vec<u32>,
}

impl RoomTree {
    fn new(bars: usize) -> Self {
        let leaves = bars.max(1).next_power_of_two();
        Self {
            leaves,
            max: vec![0; 2 * leaves],
        }
    }

    fn set(&mut self, bar: usize, room: u32) {
        let mut node = self.leaves + bar;
        self.max[node] = room;
        while node > 1 {
            node /= 2;
            self.max[node] = self.max[2 * node].max(self.max[2 * node + 1]);
        }
    }

    /// The first bar (lowest index) with at least `needed` room.
    fn first_at_least(&self, needed: u32) -> Option<usize> {
        if self.max[1] < needed {
            return None;
        }
        let mut node = 1;
        while node < self.leaves {
            node = if self.max[2 * node] >= needed {
                2 * node
            } else {
                2 * node + 1
            };
        }
        Some(node - self.leaves)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIX_METRES: CutSettings = CutSettings {
        bar_mm: 6000,
        kerf_mm: 4,
        trim_mm: 10,
    };

    #[test]
    fn pieces_share_bars_longest_first_with_kerf_between_cuts() {
        // Usable 5980 mm. 3000 + 4 + 2976 = 5980 fits exactly; 1500 needs a new bar.
        let bars = plan(&[1500, 3000, 2976], SIX_METRES).expect("plan");
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[0].cuts, vec![3000, 2976]);
        assert_eq!((bars[0].used_mm, bars[0].offcut_mm), (5980, 0));
        assert_eq!(bars[1].cuts, vec![1500]);
        assert_eq!(bars[1].offcut_mm, 4480);
    }

    #[test]
    fn the_kerf_can_be_what_makes_a_piece_not_fit() {
        // 2990 + 4 + 2990 = 5984 > 5980: two bars, although 2 × 2990 < 5980 + 4.
        let bars = plan(&[2990, 2990], SIX_METRES).expect("plan");
        assert_eq!(bars.len(), 2);
    }

    #[test]
    fn first_fit_fills_earlier_bars_before_opening_new_ones() {
        let bars = plan(&[4000, 4000, 1900, 1900, 1000], SIX_METRES).expect("plan");
        let cuts: Vec<Vec<u32>> = bars.iter().map(|b| b.cuts.clone()).collect();
        assert_eq!(cuts, vec![vec![4000, 1900], vec![4000, 1900], vec![1000]]);
    }

    #[test]
    fn a_piece_longer_than_a_bar_is_an_error() {
        let err = plan(&[1000, 5981], SIX_METRES).expect_err("too long");
        assert_eq!(
            err,
            PieceTooLong {
                length_mm: 5981,
                usable_mm: 5980
            }
        );
        assert!(
            plan(&[5980], SIX_METRES).is_ok(),
            "exactly the usable length fits"
        );
    }

    #[test]
    fn no_pieces_need_no_bars() {
        assert!(plan(&[], SIX_METRES).expect("plan").is_empty());
        assert!(plan(&[0, 0], SIX_METRES).expect("plan").is_empty());
    }

    /// First fit by scanning every bar, as a reference for the tree.
    fn naive(pieces: &[u32], settings: CutSettings) -> Vec<Vec<u32>> {
        let usable = settings.usable_mm();
        let mut sorted = pieces.to_vec();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let mut bars: Vec<(u32, Vec<u32>)> = Vec::new();
        for p in sorted {
            match bars
                .iter_mut()
                .find(|(used, _)| used + p + settings.kerf_mm <= usable)
            {
                Some((used, cuts)) => {
                    *used += p + settings.kerf_mm;
                    cuts.push(p);
                }
                None => bars.push((p, vec![p])),
            }
        }
        bars.into_iter().map(|(_, cuts)| cuts).collect()
    }

    #[test]
    fn the_tree_plans_exactly_as_scanning_every_bar_would() {
        let mut seed = 42u64;
        for round in 0..200 {
            let n = 1 + round % 60;
            let pieces: Vec<u32> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    1 + (seed >> 33) as u32 % 5980
                })
                .collect();
            let bars = plan(&pieces, SIX_METRES).expect("plan");
            let cuts: Vec<Vec<u32>> = bars.iter().map(|b| b.cuts.clone()).collect();
            assert_eq!(cuts, naive(&pieces, SIX_METRES), "{pieces:?}");
        }
    }

    #[test]
    fn twenty_thousand_pieces_that_each_need_a_bar_plan_quickly() {
        // The worst case for first fit by scanning: no piece shares a bar.
        let bars = plan(&vec![3000; 20_000], SIX_METRES).expect("plan");
        assert_eq!(bars.len(), 20_000);
    }
}
