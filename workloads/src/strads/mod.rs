//! Model-parallel programs for the STRADS runtime ([`sim_core::program::ModelParallelProgram`]; Lee et
//! al., NIPS 2014; Kim et al., EuroSys 2016): the scheduler holds the model and chooses which variables
//! are updated together; workers hold row shards of the data.
//!
//! - [`lasso`]: Lasso by scheduled coordinate descent, with round-robin, random (Shotgun), block and
//!   STRADS dynamic (priority sampling + dependency filter) schedulers.
//! - [`mf`]: matrix factorisation by coordinate descent (CCD++-style rotation over rank-one factors).
//! - [`lda`]: LDA by collapsed Gibbs sampling with word-block rotation.

pub mod lasso;
pub mod lda;
pub mod mf;
